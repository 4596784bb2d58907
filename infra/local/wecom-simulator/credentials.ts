/**
 * The simulated WeCom's fixed local credentials (the suite, the provider), known to every local tool
 * and exported to the local stack as the `WECOM_*` variables of API.md §4. Valid formats: suite id
 * `ww` + 16, a 43-character EncodingAESKey, a Token of letters and digits (WECOM.md §1.1).
 */
export const wecomSimulatorCredentials = {
  suiteId: 'ww5e1fc0ffee000001',
  suiteSecret: 'SimSuiteSecret0000000000000000000000000001',
  token: 'WeComSimToken2024',
  aesKey: 'WeComSimulatorEncodingAesKey0123456789abcdE',
  providerCorpId: 'wwc0ffee5e1f000001',
  providerSecret: 'SimProviderSecret00000000000000000000000001',
} as const satisfies WeComSimulatorCredentials;

export interface WeComSimulatorCredentials {
  suiteId: string;
  suiteSecret: string;
  token: string;
  aesKey: string;
  providerCorpId: string;
  providerSecret: string;
}
