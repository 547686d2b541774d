import { writeFileSync } from 'node:fs';
import { startCluster } from './pg-cluster.ts';
const c = (await startCluster())!;
writeFileSync('/tmp/x/pgurl', await c.createDatabase('s'));
process.on('SIGTERM', () => { c.stop(); process.exit(0); });
setInterval(() => {}, 1000);
