/**
 * Fixed egress for the functions that call WeChat. Every component API checks the caller's IP
 * against the component's whitelist (61004 otherwise), and Lambda's own egress IPs are neither fixed
 * nor known. So these functions run in private subnets behind one NAT gateway per availability zone,
 * each with an Elastic IP the stack allocates itself: their addresses are known after deploy
 * (`WhitelistIps`) and stay the same across deploys.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export const EGRESS_AZS = 2;

export class EgressNetwork extends Construct {
  readonly vpc: ec2.Vpc;
  readonly natIps: ec2.CfnEIP[];
  readonly functionSubnets: ec2.SubnetSelection = { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.natIps = Array.from({ length: EGRESS_AZS }, (_, index) => {
      const ip = new ec2.CfnEIP(this, `NatIp${index + 1}`, { domain: 'vpc' });
      // Losing an address means re-registering the whitelist in WeChat's console: keep it.
      ip.applyRemovalPolicy(RemovalPolicy.RETAIN);
      return ip;
    });
    const flowLogGroup = new logs.LogGroup(this, 'FlowLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: EGRESS_AZS,
      natGateways: EGRESS_AZS,
      natGatewayProvider: ec2.NatProvider.gateway({ eipAllocationIds: this.natIps.map((ip) => ip.attrAllocationId) }),
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'egress', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
      ],
      // Nothing uses the default security group; restricting it would deploy a custom-resource Lambda.
      restrictDefaultSecurityGroup: false,
      flowLogs: {
        all: { destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup), trafficType: ec2.FlowLogTrafficType.ALL },
      },
    });
  }

  /** The whitelist entry for WeChat's console: the NAT gateways' public IPs. */
  whitelistIps(): string[] {
    return this.natIps.map((ip) => ip.attrPublicIp);
  }
}
