import { Token } from 'cdktf';

/**
 * Terraform reads `${…}` and `%{…}` in every string of its JSON syntax as template
 * interpolation and directives; IoT policy variables (`${iot:Connection.Thing.ThingName}`)
 * and rule substitution templates (`${topic(5)}`) must reach AWS as they are, so they
 * are written `$${…}` and `%%{…}` (https://developer.hashicorp.com/terraform/language/expressions/strings#escape-sequences).
 *
 * Not `Fn.rawString`: it also turns `"` into `\"` (it is meant for strings inside an HCL
 * expression), which would corrupt a JSON policy document written as a plain attribute.
 *
 * @example terraformLiteral('${topic(5)}') // '$${topic(5)}'
 */
export function terraformLiteral(text: string): string {
  // a token's own `${TfToken[…]}` marker must stay as it is: mixed strings are not escaped here
  if (Token.isUnresolved(text)) throw new Error(`terraformLiteral: ${JSON.stringify(text.slice(0, 60))} holds a cdktf token; escape only literal text`);
  return text.replace(/\$\{/g, () => '$${').replace(/%\{/g, () => '%%{');
}

/**
 * A JSON document as infra writes it into a resource argument: indented over several
 * lines. `cdktf synth --hcl` writes a multi-line string as a heredoc, where quotes need
 * no escaping; a one-line string that holds both `"` and `${…}` (a policy variable, or a
 * reference such as a queue's ARN) comes out of cdktf 0.21's HCL writer with its quotes
 * broken. The document means the same to AWS either way.
 *
 * @example policy: terraformLiteral(documentText(devicePolicyDocument()))
 */
export function documentText(json: string | object): string {
  return JSON.stringify(typeof json === 'string' ? JSON.parse(json) : json, null, 2);
}

/** What Terraform makes of a {@link terraformLiteral} string: the text AWS receives. */
export function fromTerraformLiteral(text: string): string {
  return text.replace(/\$\$\{/g, () => '${').replace(/%%\{/g, () => '%{');
}
