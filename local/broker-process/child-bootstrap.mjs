// Entry of the broker process (`pulsepet up --broker-process`): forked by the stack with
// an IPC channel. The broker's code is TypeScript run without a build step, so tsx is
// registered before it loads, as in the Lambda worker bootstrap.
import { register } from 'tsx/esm/api';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
await import('./child.ts');
