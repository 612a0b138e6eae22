// DescribeConfigs (key 32), versions 0-4. Flexible from v4.
// v0 reports isDefault per config; v1 replaces it with configSource and adds includeSynonyms and the
// synonyms list; v2 changes only quota behaviour; v3 adds includeDocumentation, configType and
// documentation; v4 is the first flexible version.

import { api } from '../api.ts';
import { array, bool, f, int16, int32, int8, message, nullable, string, struct } from '../schema.ts';

export const DescribeConfigsRequest = message({
  apiKey: 32,
  name: 'DescribeConfigsRequest',
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: {
    resources: f(array(struct({
      resourceType: f(int8, '0+'),
      resourceName: f(string, '0+'),
      configurationKeys: f(nullable(array(string)), '0+'),
    })), '0+'),
    includeSynonyms: f(bool, '1+', { default: false }),
    includeDocumentation: f(bool, '3+', { default: false }),
  },
});

export const DescribeConfigsResponse = message({
  apiKey: 32,
  name: 'DescribeConfigsResponse',
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: {
    throttleTimeMs: f(int32, '0+'),
    results: f(array(struct({
      errorCode: f(int16, '0+'),
      errorMessage: f(nullable(string), '0+'),
      resourceType: f(int8, '0+'),
      resourceName: f(string, '0+'),
      configs: f(array(struct({
        name: f(string, '0+'),
        value: f(nullable(string), '0+'),
        readOnly: f(bool, '0+'),
        isDefault: f(bool, '0'),
        configSource: f(int8, '1+', { default: -1 }),
        isSensitive: f(bool, '0+'),
        synonyms: f(array(struct({
          name: f(string, '1+'),
          value: f(nullable(string), '1+'),
          source: f(int8, '1+'),
        })), '1+'),
        configType: f(int8, '3+', { default: 0 }),
        documentation: f(nullable(string), '3+'),
      })), '0+'),
    })), '0+'),
  },
});

export const DescribeConfigs = api(DescribeConfigsRequest, DescribeConfigsResponse);
