/** Child process for the SIGKILL test: appends records and prints each id once it is durable. */
import { RecordLog } from '../../../common/record-log';

const dir = process.argv[2] as string;
const { log } = RecordLog.open(dir, { fsync: { kind: 'always' } });
let i = 0;
async function loop(): Promise<void> {
  for (;;) {
    const batch = [i, i + 1, i + 2];
    for (const id of batch) log.append('E', { id }, [Buffer.alloc(2000, id % 256)]);
    i += 3;
    await log.durable();
    process.stdout.write(`${batch[2]}\n`);
  }
}
void loop();
