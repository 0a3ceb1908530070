/* Backups of the database with pg_dump (custom format) and a SHA-256
 * beside each, kept up to a number; and their verification: restored into
 * a scratch database, every workspace's balance checked against its
 * ledger. pg_dump and pg_restore are found on PATH. */
#ifndef DRAGOMAN_BACKUP_H
#define DRAGOMAN_BACKUP_H

#include <stddef.h>
#include <stdio.h>

/* Dumps the database of conninfo into dir as dragoman-<UTC time>.dump,
 * writes dragoman-<...>.dump.sha256 (sha256sum's format) beside it, then
 * removes all but the keep newest dumps there (and their checksums).
 * Prints "backup=<path>" and "sha256=<hex>" lines to out. Returns 0, or
 * -1 with a message in err. */
int backup_run(const char *conninfo, const char *dir, long keep, FILE *out, char *err, size_t errsz)
    __attribute__((warn_unused_result));

/* Checks file against its .sha256, restores it into a new scratch
 * database on conninfo's server (dropped afterwards) and checks there that
 * every workspace's balance equals the sum of its ledger, that each ledger
 * row starts where the one before it ended, and that nothing is negative.
 * Prints what it checked to out. Returns 0 when all holds, 1 when the
 * data does not (listed in out), or -1 when it could not check (err). */
int backup_verify(const char *conninfo, const char *file, FILE *out, char *err, size_t errsz)
    __attribute__((warn_unused_result));

#endif
