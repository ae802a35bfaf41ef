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

/** What Terraform makes of a {@link terraformLiteral} string: the text AWS receives. */
export function fromTerraformLiteral(text: string): string {
  return text.replace(/\$\$\{/g, () => '${').replace(/%%\{/g, () => '%{');
}
