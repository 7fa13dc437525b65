// A little disk space kept aside beside an SQLite file. SQLite deletes a database's -wal and -shm files when
// it closes cleanly, and must create them again on the next open: on a completely full disk that fails, and
// a restarted process could not read the mail it holds. Giving the reserve back makes room for them; it is
// taken again at an open with room to spare.
import { openSync, closeSync, ftruncateSync, rmSync, existsSync, writeSync } from 'node:fs';

/** Enough for the -shm index (32 KiB) and the first -wal frames of a read, with room to spare. */
const RESERVE_BYTES = 256 * 1024;

export class DiskReserve {
  constructor(private readonly file: string) {}

  /** Gives the space back; true when there was a reserve to give. */
  release(): boolean {
    if (!existsSync(this.file)) return false;
    rmSync(this.file, { force: true });
    return true;
  }

  /** Takes the space aside again if it is not already; quietly does nothing while the disk is full. */
  keep(): void {
    if (existsSync(this.file)) return;
    let fd: number | undefined;
    try {
      fd = openSync(this.file, 'w');
      // Written, not only sized: a sparse file would reserve nothing. A short write means no room.
      if (writeSync(fd, Buffer.alloc(RESERVE_BYTES)) < RESERVE_BYTES) throw new Error('no room for the reserve');
      closeSync(fd);
    } catch {
      if (fd !== undefined) {
        ftruncateSync(fd, 0);
        closeSync(fd);
      }
      rmSync(this.file, { force: true });
    }
  }
}
