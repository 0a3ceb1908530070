/* dragoman-admin payments: what an operator does with payments that
 * need a person (db/migrations/0022_payment_lifecycle.sql). Output is
 * name=value lines. */
#ifndef DRAGOMAN_PAYMENTS_ADMIN_H
#define DRAGOMAN_PAYMENTS_ADMIN_H

struct config;
struct db;

/* payments unmatched: prints the kept Stripe events that match no
 * payment, one name=value line each. Returns the exit status. */
int payments_admin_unmatched(struct db *db);

/* payments assign EVENT WORKSPACE: credits the unmatched succeeded
 * payment ev to ws, once, with the refunds and disputes kept for it.
 * Returns the exit status. */
int payments_admin_assign(struct db *db, const char *ev, const char *ws);

/* payments dismiss EVENT --reason R: closes the unmatched event ev.
 * Returns the exit status (2 without a reason). */
int payments_admin_dismiss(struct db *db, const char *ev, const char *reason);

/* payments resolve (and maintain): moves every open payment untouched
 * for five minutes on, printing how many it looked at. Returns the exit
 * status. */
int payments_admin_resolve(const struct config *cfg, struct db *db);

#endif
