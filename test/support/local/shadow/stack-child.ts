/**
 * Child process for the stack-level kill -9 test: runs the local stack on the data
 * dir given as argv[2] and prints its endpoints as one JSON line, then idles until
 * it is killed.
 */
import { startLocalStack } from '../../../../local/stack';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: stack-child <dataDir>');
const stack = await startLocalStack({ dataDir });
process.stdout.write(`${JSON.stringify({ mqttEndpoint: stack.mqttEndpoint, httpEndpoint: stack.httpEndpoint })}\n`);
setInterval(() => {}, 60_000);
