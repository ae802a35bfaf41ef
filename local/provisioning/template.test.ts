import { describe, expect, it } from 'vitest';
import {
  parseProvisioningTemplate,
  resolveProvisioningTemplate,
  TemplateEvaluationError,
  TemplateValidationError,
} from './template';

const CERT_ID = 'a'.repeat(64);

/** The fleet provisioning template pulsepet's docs use (AWS's documented shape). */
const FLEET = {
  Parameters: {
    SerialNumber: { Type: 'String' },
    Model: { Type: 'String', Default: 'watch-v1' },
    'AWS::IoT::Certificate::Id': { Type: 'String' },
  },
  Resources: {
    thing: {
      Type: 'AWS::IoT::Thing',
      Properties: {
        ThingName: { 'Fn::Join': ['', ['pet-', { Ref: 'SerialNumber' }]] },
        AttributePayload: { serial: { Ref: 'SerialNumber' }, model: { Ref: 'Model' } },
      },
      OverrideSettings: { AttributePayload: 'MERGE' },
    },
    certificate: {
      Type: 'AWS::IoT::Certificate',
      Properties: { CertificateId: { Ref: 'AWS::IoT::Certificate::Id' }, Status: 'Active' },
    },
    policy: { Type: 'AWS::IoT::Policy', Properties: { PolicyName: 'pulsepet-device' } },
  },
  // biome-ignore lint/suspicious/noTemplateCurlyInString: Fn::Sub variable syntax, not a JS template
  DeviceConfiguration: { greeting: { 'Fn::Sub': 'hello ${SerialNumber} on ${Model}' }, region: 'local' },
};

function problemsOf(body: unknown, templateType?: 'FLEET_PROVISIONING' | 'JITP'): string[] {
  try {
    parseProvisioningTemplate(typeof body === 'string' ? body : JSON.stringify(body), templateType ? { templateType } : {});
  } catch (e) {
    if (e instanceof TemplateValidationError) return e.problems;
    throw e;
  }
  return [];
}

function withResource(id: string, resource: unknown): unknown {
  return { ...FLEET, Resources: { ...FLEET.Resources, [id]: resource } };
}

describe('Function: parseProvisioningTemplate', () => {
  it('accepts the documented fleet template shape and keeps its sections', () => {
    const t = parseProvisioningTemplate(JSON.stringify(FLEET));
    expect(t.resources.map((r) => [r.logicalId, r.type])).toEqual([
      ['thing', 'AWS::IoT::Thing'],
      ['certificate', 'AWS::IoT::Certificate'],
      ['policy', 'AWS::IoT::Policy'],
    ]);
    expect(t.parameters.Model).toEqual({ type: 'String', default: 'watch-v1' });
    expect(t.resources[0]!.overrideSettings).toEqual({ AttributePayload: 'MERGE' });
  });

  it('refuses a body that is not JSON, saying so', () => {
    expect(problemsOf('{"Resources": ')[0]).toMatch(/^templateBody: not valid JSON/);
  });

  it('refuses a template without resources', () => {
    expect(problemsOf({ Parameters: {} })).toContain('Resources: required, an object declaring the thing, certificate and policies');
  });

  it('names the resource and property that are wrong', () => {
    const problems = problemsOf(
      withResource('thing', { Type: 'AWS::IoT::Thing', Properties: { ThingName: 42, Colour: 'red', AttributePayload: [] } }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Resources\.thing\.Properties\.Colour: not a property of AWS::IoT::Thing/),
        'Resources.thing.Properties.ThingName: must be a string',
        'Resources.thing.Properties.AttributePayload: must be an object of name-value pairs',
      ]),
    );
  });

  it('refuses an unknown resource type and an unknown section', () => {
    const problems = problemsOf({ ...(withResource('bucket', { Type: 'AWS::S3::Bucket' }) as object), Outputs: {} });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Outputs: unknown section/),
        expect.stringMatching(/^Resources\.bucket\.Type: "AWS::S3::Bucket" is not a resource type/),
      ]),
    );
  });

  it('refuses a Ref to an undeclared parameter and a Fn::Sub variable that is not declared', () => {
    const problems = problemsOf(
      withResource('thing', {
        Type: 'AWS::IoT::Thing',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: Fn::Sub variable syntax, not a JS template
        Properties: { ThingName: { Ref: 'Serial' }, ThingTypeName: { 'Fn::Sub': 'type-${Kind}' } },
      }),
    );
    expect(problems).toEqual([
      "Resources.thing.Properties.ThingName.Ref: Ref to 'Serial', which is not declared in Parameters",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Fn::Sub variable syntax, not a JS template
      'Resources.thing.Properties.ThingTypeName.Fn::Sub: variable ${Kind} is neither a declared parameter nor a Fn::Sub variable',
    ]);
  });

  it('allows AWS IoT pseudo parameters without a declaration', () => {
    const body = { ...FLEET, Parameters: { SerialNumber: { Type: 'String' }, Model: { Type: 'String' } } };
    expect(problemsOf(body)).toEqual([]);
  });

  it('refuses an unsupported intrinsic function, naming the supported ones', () => {
    const problems = problemsOf(
      withResource('thing', { Type: 'AWS::IoT::Thing', Properties: { ThingName: { 'Fn::GetAtt': ['a', 'b'] } } }),
    );
    expect(problems[0]).toMatch(/^Resources\.thing\.Properties\.ThingName\.Fn::GetAtt: unsupported intrinsic function Fn::GetAtt \(supported: Ref, Fn::Join/);
  });

  it('requires exactly one certificate, named by CertificateId in a fleet template', () => {
    const noCert = { ...FLEET, Resources: { thing: FLEET.Resources.thing } };
    expect(problemsOf(noCert)).toContain('Resources: exactly one AWS::IoT::Certificate (found 0)');
    const byPem = withResource('certificate', { Type: 'AWS::IoT::Certificate', Properties: { CertificatePem: { Ref: 'SerialNumber' } } });
    expect(problemsOf(byPem)[0]).toMatch(/CertificatePem: a fleet provisioning template names its certificate by CertificateId/);
    expect(problemsOf(byPem, 'JITP')).toEqual([]);
  });

  it('refuses a policy with both or neither of PolicyName and PolicyDocument, and a bad status', () => {
    const both = withResource('policy', { Type: 'AWS::IoT::Policy', Properties: { PolicyName: 'p', PolicyDocument: '{}' } });
    expect(problemsOf(both)).toEqual(['Resources.policy.Properties: a policy needs PolicyName or PolicyDocument, not both']);
    const status = withResource('certificate', {
      Type: 'AWS::IoT::Certificate',
      Properties: { CertificateId: { Ref: 'AWS::IoT::Certificate::Id' }, Status: 'ENABLED' },
    });
    expect(problemsOf(status)).toEqual(["Resources.certificate.Properties.Status: 'ENABLED' is not ACTIVE or INACTIVE"]);
  });

  it('refuses bad OverrideSettings and a parameter of an unknown type', () => {
    const body = {
      ...(withResource('thing', {
        Type: 'AWS::IoT::Thing',
        Properties: { ThingName: 'x' },
        OverrideSettings: { ThingTypeName: 'MERGE', ThingName: 'REPLACE' },
      }) as object),
      Parameters: { ...FLEET.Parameters, Count: { Type: 'Number' } },
    };
    expect(problemsOf(body)).toEqual([
      'Parameters.Count.Type: "Number" is not a parameter type (allowed: String)',
      'Resources.thing.OverrideSettings.ThingTypeName: MERGE is valid only for AttributePayload and ThingGroups',
      'Resources.thing.OverrideSettings.ThingName: cannot be overridden on AWS::IoT::Thing (allowed: AttributePayload, ThingTypeName, ThingGroups)',
    ]);
  });

  it('refuses a condition that refers to itself and an Fn::If on an undeclared condition', () => {
    const body = {
      ...(withResource('thing', { Type: 'AWS::IoT::Thing', Properties: { ThingName: { 'Fn::If': ['Nope', 'a', 'b'] } } }) as object),
      Conditions: { Loop: { 'Fn::Not': [{ Condition: 'Loop' }] } },
    };
    expect(problemsOf(body)).toEqual([
      'Conditions.Loop: refers to itself (Loop → Loop)',
      "Resources.thing.Properties.ThingName.Fn::If[0]: condition 'Nope' is not declared in Conditions",
    ]);
  });

  it('refuses a body over the 10240-character limit', () => {
    expect(problemsOf(' '.repeat(10_241))[0]).toMatch(/more than the 10240 allowed/);
  });
});

describe('Function: resolveProvisioningTemplate', () => {
  it('resolves the fleet template into a plan: thing, certificate, policies, device configuration', () => {
    const t = parseProvisioningTemplate(JSON.stringify(FLEET));
    const plan = resolveProvisioningTemplate(t, { SerialNumber: 'A1', 'AWS::IoT::Certificate::Id': CERT_ID });
    expect(plan.thing).toEqual({
      logicalId: 'thing',
      thingName: 'pet-A1',
      attributes: { serial: 'A1', model: 'watch-v1' },
      thingGroups: [],
      overrideSettings: { AttributePayload: 'MERGE' },
    });
    expect(plan.certificate).toEqual({ logicalId: 'certificate', certificateId: CERT_ID, status: 'ACTIVE' });
    expect(plan.policies).toEqual([{ logicalId: 'policy', policyName: 'pulsepet-device' }]);
    expect(plan.deviceConfiguration).toEqual({ greeting: 'hello A1 on watch-v1', region: 'local' });
  });

  it('fails naming the parameter when a declared one has neither value nor Default', () => {
    const t = parseProvisioningTemplate(JSON.stringify(FLEET));
    expect(() => resolveProvisioningTemplate(t, { 'AWS::IoT::Certificate::Id': CERT_ID })).toThrow(
      new TemplateEvaluationError('Parameters.SerialNumber', 'no value was given and it has no Default'),
    );
  });

  it('evaluates Fn::Split, Fn::Select, Fn::FindInMap, conditions and AWS::NoValue', () => {
    const body = {
      Parameters: { Id: { Type: 'String' }, Site: { Type: 'String', Default: 'lab' } },
      Mappings: { Sites: { lab: { Group: 'lab-devices' } } },
      Conditions: { IsLab: { 'Fn::Equals': [{ Ref: 'Site' }, 'lab'] }, NotLab: { 'Fn::Not': [{ Condition: 'IsLab' }] } },
      Resources: {
        thing: {
          Type: 'AWS::IoT::Thing',
          Properties: {
            ThingName: { 'Fn::Select': [1, { 'Fn::Split': ['/', { Ref: 'Id' }] }] },
            ThingTypeName: { 'Fn::If': ['NotLab', 'field', { Ref: 'AWS::NoValue' }] },
            AttributePayload: { group: { 'Fn::FindInMap': ['Sites', { Ref: 'Site' }, 'Group'] } },
          },
        },
        cert: { Type: 'AWS::IoT::Certificate', Properties: { CertificateId: { Ref: 'AWS::IoT::Certificate::Id' } } },
        extra: { Type: 'AWS::IoT::Policy', Condition: 'NotLab', Properties: { PolicyName: 'field-policy' } },
      },
    };
    const t = parseProvisioningTemplate(JSON.stringify(body));
    const plan = resolveProvisioningTemplate(t, { Id: 'factory/pet-7', 'AWS::IoT::Certificate::Id': CERT_ID });
    expect(plan.thing).toMatchObject({ thingName: 'pet-7', attributes: { group: 'lab-devices' } });
    expect(plan.thing?.thingTypeName).toBeUndefined();
    expect(plan.policies).toEqual([]);
    const field = resolveProvisioningTemplate(t, { Id: 'x/pet-8', Site: 'lab', 'AWS::IoT::Certificate::Id': CERT_ID });
    expect(field.thing?.thingName).toBe('pet-8');
    expect(() => resolveProvisioningTemplate(t, { Id: 'no-slash', 'AWS::IoT::Certificate::Id': CERT_ID })).toThrow(/index 1 is outside the list of 1/);
  });

  it('names an inline policy by a hash of its document, as AWS does', () => {
    const doc = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: '*' }] };
    const t = parseProvisioningTemplate(JSON.stringify(withResource('policy', { Type: 'AWS::IoT::Policy', Properties: { PolicyDocument: doc } })));
    const plan = resolveProvisioningTemplate(t, { SerialNumber: 'A1', 'AWS::IoT::Certificate::Id': CERT_ID });
    expect(plan.policies[0]).toEqual({ logicalId: 'policy', policyName: expect.stringMatching(/^[0-9a-f]{64}$/), policyDocument: JSON.stringify(doc) });
  });

  it('resolves a JITP template from certificate-subject parameters', () => {
    const body = {
      Parameters: { 'AWS::IoT::Certificate::CommonName': { Type: 'String' }, 'AWS::IoT::Certificate::Id': { Type: 'String' } },
      Resources: {
        thing: { Type: 'AWS::IoT::Thing', Properties: { ThingName: { Ref: 'AWS::IoT::Certificate::CommonName' } } },
        certificate: { Type: 'AWS::IoT::Certificate', Properties: { CertificateId: { Ref: 'AWS::IoT::Certificate::Id' }, Status: 'ACTIVE' } },
        policy: { Type: 'AWS::IoT::Policy', Properties: { PolicyName: 'pulsepet-device' } },
      },
    };
    const t = parseProvisioningTemplate(JSON.stringify(body), { templateType: 'JITP' });
    const plan = resolveProvisioningTemplate(t, { 'AWS::IoT::Certificate::CommonName': 'pet-9', 'AWS::IoT::Certificate::Id': CERT_ID });
    expect(plan.thing?.thingName).toBe('pet-9');
    expect(plan.certificate?.certificateId).toBe(CERT_ID);
  });
});
