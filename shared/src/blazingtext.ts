/**
 * SageMaker's built-in BlazingText image, one registry account per region (as the SageMaker Python
 * SDK's image_uri_config/blazingtext.json lists them). Training and hosting use the same image.
 */
const BLAZINGTEXT_REGISTRIES: Readonly<Record<string, string>> = {
  'af-south-1': '455444449433',
  'ap-east-1': '286214385809',
  'ap-northeast-1': '501404015308',
  'ap-northeast-2': '306986355934',
  'ap-northeast-3': '364406365360',
  'ap-south-1': '991648021394',
  'ap-south-2': '628508329040',
  'ap-southeast-1': '475088953585',
  'ap-southeast-2': '544295431143',
  'ap-southeast-4': '106583098589',
  'ca-central-1': '469771592824',
  'cn-north-1': '390948362332',
  'cn-northwest-1': '387376663083',
  'eu-central-1': '813361260812',
  'eu-central-2': '680994064768',
  'eu-north-1': '669576153137',
  'eu-south-1': '257386234256',
  'eu-west-1': '685385470294',
  'eu-west-2': '644912444149',
  'eu-west-3': '749696950732',
  'me-south-1': '249704162688',
  'sa-east-1': '855470959533',
  'us-east-1': '811284229777',
  'us-east-2': '825641698319',
  'us-gov-west-1': '226302683700',
  'us-west-1': '632365934929',
  'us-west-2': '433757028032',
};

/** The BlazingText image URI for a region, e.g. `811284229777.dkr.ecr.us-east-1.amazonaws.com/blazingtext:1`. */
export function blazingTextImage(region: string): string {
  const account = BLAZINGTEXT_REGISTRIES[region];
  if (account === undefined) throw new Error(`BlazingText is not available in region ${region}`);
  const domain = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `${account}.dkr.ecr.${region}.${domain}/blazingtext:1`;
}
