/* dragoman-admin payments: what an operator does with payments that
 * need a person (db/migrations/0022_payment_lifecycle.sql). */
#ifndef DRAGOMAN_PAYMENTS_ADMIN_H
#define DRAGOMAN_PAYMENTS_ADMIN_H

struct config;
struct db;

/* Runs "payments WORDS..." (argv[0] is "payments"):
 *   unmatched              the kept Stripe events that match no payment
 *   assign EVENT WORKSPACE credit an unmatched succeeded payment, once
 *   dismiss EVENT --reason R  close an unmatched event (refunded in Stripe)
 *   resolve                move every open payment on (as maintain does)
 * Output is name=value lines. Returns the exit status, 2 for usage. */
int payments_admin(struct config *cfg, struct db *db, int argc, char **argv, const char *reason);

#endif
