#include "autoconfig.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "billing/billing.h"
#include "billing/payments.h"
#include "core/log.h"
#include "core/money.h"
#include "core/reply.h"
#include "proc/worker.h"
#include "store/db.h"

/* Runs the reservation. Returns 1 with hold_id set, 0 when refused, -1
 * when the database failed. */
static int reserve_once(struct worker *w, const char *workspace_id, const char *amount,
    const char *request_id, const char *owner, const char *idem, const char *quota_key,
    const char *chars, char hold_id[UUID_STR_LEN + 1])
{
	char ttl[24];
	const char *params[] = { workspace_id, amount, request_id, ttl, idem, quota_key, chars,
		owner };
	PGresult *res;
	int rc;

	snprintf(ttl, sizeof(ttl), "%ld", w->cfg->hold_ttl_s);
	res = db_exec(w->db, STMT_BILLING_RESERVE, params);
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		if (res != NULL)
			log_msg(LOG_LEVEL_ERROR, "request %s: reserve: %s", request_id,
			    PQresultErrorMessage(res));
		PQclear(res);
		return -1;
	}
	rc = PQntuples(res) == 1;
	if (rc)
		snprintf(hold_id, UUID_STR_LEN + 1, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return rc;
}

/* Releases workspace_id's expired holds. Returns 0 or -1. */
static int release_expired(struct worker *w, const char *workspace_id)
{
	const char *params[] = { workspace_id };
	PGresult *res = db_exec(w->db, STMT_BILLING_RELEASE_EXPIRED, params);
	int ok = res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK;

	if (ok && strcmp(PQcmdTuples(res), "0") != 0)
		log_msg(LOG_LEVEL_WARN, "workspace %s: released expired credit holds",
		    workspace_id);
	PQclear(res);
	return ok ? 0 : -1;
}

/* Sweeps workspace_id's credit lanes back into its main balance (none:
 * nothing), its row locked until the transaction ends. Returns 0 or -1. */
static int sweep_lanes(struct worker *w, const char *workspace_id)
{
	const char *params[] = { workspace_id };
	PGresult *res = db_exec(w->db, STMT_LANES_SWEEP, params);
	int ok = res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK;

	if (!ok && res != NULL)
		log_msg(LOG_LEVEL_ERROR, "workspace %s: credit lanes not swept: %s", workspace_id,
		    PQresultErrorMessage(res));
	PQclear(res);
	return ok ? 0 : -1;
}

/* After a refusal: releases the workspace's expired holds and sweeps its
 * credit lanes back, then reserves again, all in one transaction (the
 * caller's when in_tx), so that no lane is refilled meanwhile and a
 * second refusal is exact. Returns as reserve_once(). */
static int reserve_again(struct worker *w, int in_tx, const char *workspace_id, const char *amount,
    const char *request_id, const char *owner, const char *idem, const char *quota_key,
    const char *chars, char hold_id[UUID_STR_LEN + 1])
{
	int rc;

	if (!in_tx && db_command(w->db, "BEGIN") < 0)
		return -1;
	rc = release_expired(w, workspace_id) == 0 && sweep_lanes(w, workspace_id) == 0
	    ? reserve_once(w, workspace_id, amount, request_id, owner, idem, quota_key, chars,
	          hold_id)
	    : -1;
	if (!in_tx && rc >= 0 && db_command(w->db, "COMMIT") < 0)
		rc = -1;
	if (!in_tx && rc < 0)
		(void)db_command(w->db, "ROLLBACK");
	return rc;
}

/* Explains a refused reservation of amount: which limit stands in the
 * way, into rp->detail. Returns the problem. */
static enum problem refusal(struct worker *w, const char *workspace_id, long long amount,
    struct reply *rp)
{
	const char *params[] = { workspace_id };
	PGresult *res = db_exec(w->db, STMT_BILLING_HEADROOM, params);
	char a[32], b[32];
	enum problem p = PROBLEM_INSUFFICIENT_CREDITS;

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		PQclear(res);
		snprintf(rp->detail, sizeof(rp->detail),
		    "not enough credits for this request (%s needed)",
		    money_format(amount, a, sizeof(a)));
		return p;
	}
	long long available = db_num(res, 0, 0);
	int capped = !PQgetisnull(res, 0, 1);
	long long cap_left = capped ? db_num(res, 0, 1) : 0;
	if (capped && cap_left < amount && available >= amount) {
		p = PROBLEM_MONTHLY_CAP;
		snprintf(rp->detail, sizeof(rp->detail),
		    "this request may cost up to %s and the monthly "
		    "cap leaves %s",
		    money_format(amount, a, sizeof(a)),
		    money_format(cap_left > 0 ? cap_left : 0, b, sizeof(b)));
	} else
		snprintf(rp->detail, sizeof(rp->detail),
		    "this request may cost up to %s and %s is "
		    "available",
		    money_format(amount, a, sizeof(a)), money_format(available, b, sizeof(b)));
	PQclear(res);
	return p;
}

/* Reserves as billing_reserve_quota() does, inside the caller's
 * transaction when in_tx (quota_key NULL: no quota). */
static enum problem reserve_credit(struct worker *w, int in_tx, const char *workspace_id,
    long long amount, const char *request_id, const char *owner, const char *idem,
    const char *quota_key, long long characters, char hold_id[UUID_STR_LEN + 1], struct reply *rp)
{
	char amt[24], chars[24];
	int rc;

	snprintf(amt, sizeof(amt), "%lld", amount);
	snprintf(chars, sizeof(chars), "%lld", quota_key != NULL ? characters : 0);
	rc = reserve_once(w, workspace_id, amt, request_id, owner, idem, quota_key, chars, hold_id);
	if (rc == 0)
		rc = reserve_again(w, in_tx, workspace_id, amt, request_id, owner, idem, quota_key,
		    chars, hold_id);
	if (rc == 1)
		return PROBLEM_NONE;
	if (rc < 0) {
		snprintf(rp->detail, sizeof(rp->detail), "credits cannot be checked right now");
		return PROBLEM_UNAVAILABLE;
	}
	return refusal(w, workspace_id, amount, rp);
}

/* A request refused for want of amount micros of credit brings about an
 * auto-recharge that is due (the refused request may be the only one that
 * comes). Returns p. */
static enum problem refused(struct worker *w, const char *workspace_id, const char *request_id,
    long long amount, enum problem p)
{
	if (p == PROBLEM_INSUFFICIENT_CREDITS &&
	    payments_queue_due(w, workspace_id, request_id, amount) < 0)
		log_msg(LOG_LEVEL_WARN, "workspace %s: auto-recharge not queued", workspace_id);
	return p;
}

enum problem billing_reserve(struct worker *w, const char *workspace_id, long long amount,
    const char *request_id, const char *owner, const char *idem, char hold_id[UUID_STR_LEN + 1],
    struct reply *rp)
{
	return refused(w, workspace_id, request_id, amount,
	    reserve_credit(w, 0, workspace_id, amount, request_id, owner, idem, NULL, 0, hold_id,
	        rp));
}

/* Explains a refused quota reservation of characters for key_id into rp
 * (detail, reset time, Retry-After). Returns PROBLEM_KEY_QUOTA. */
static enum problem quota_refusal(struct worker *w, const char *key_id, long long quota,
    long long characters, struct reply *rp)
{
	const char *params[] = { key_id };
	PGresult *res = db_exec(w->db, STMT_QUOTA_USED, params);

	if (res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
		snprintf(rp->detail, sizeof(rp->detail),
		    "this key may have %lld characters a month; "
		    "%lld are used and %lld reserved, and this request needs up to %lld; the quota "
		    "resets at %s",
		    quota, db_num(res, 0, 0), db_num(res, 0, 1), characters, PQgetvalue(res, 0, 2));
		if (rp->extra == NULL)
			rp->extra = json_object_new_object();
		json_object_object_add(rp->extra, "reset",
		    json_object_new_string(PQgetvalue(res, 0, 2)));
		json_object_object_add(rp->extra, "quota", json_object_new_int64(quota));
		rp->retry_after = (int)db_num(res, 0, 3) > 0 ? (int)db_num(res, 0, 3) : 1;
	} else
		snprintf(rp->detail, sizeof(rp->detail),
		    "this key's monthly quota of %lld characters "
		    "does not leave %lld",
		    quota, characters);
	PQclear(res);
	return PROBLEM_KEY_QUOTA;
}

/* Takes characters of key_id's quota this month inside the open
 * transaction. Returns 1 taken, 0 they do not fit, -1 error. */
static int quota_take(struct worker *w, const char *key_id, long long quota, long long characters)
{
	char n[24], q[24];
	const char *params[] = { key_id, n, q };
	PGresult *res;
	int rc;

	snprintf(n, sizeof(n), "%lld", characters);
	snprintf(q, sizeof(q), "%lld", quota);
	res = db_exec(w->db, STMT_QUOTA_RESERVE, params);
	rc = res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK ? -1 : PQntuples(res) == 1;
	if (rc < 0 && res != NULL)
		log_msg(LOG_LEVEL_ERROR, "quota reserve: %s", PQresultErrorMessage(res));
	PQclear(res);
	return rc;
}

enum problem billing_reserve_quota(struct worker *w, const char *workspace_id, long long amount,
    const char *request_id, const char *owner, const char *idem, const char *key_id,
    long long quota, long long characters, char hold_id[UUID_STR_LEN + 1], struct reply *rp)
{
	enum problem p;
	int rc;

	if (quota <= 0 || key_id == NULL || key_id[0] == '\0')
		return billing_reserve(w, workspace_id, amount, request_id, owner, idem, hold_id,
		    rp);
	if (db_command(w->db, "BEGIN") < 0) {
		snprintf(rp->detail, sizeof(rp->detail), "credits cannot be checked right now");
		return PROBLEM_UNAVAILABLE;
	}
	/* the workspace row first, then the key's: the order every statement
	 * that settles or releases holds locks them in, so none deadlocks */
	p = reserve_credit(w, 1, workspace_id, amount, request_id, owner, idem, key_id, characters,
	    hold_id, rp);
	rc = p == PROBLEM_NONE ? quota_take(w, key_id, quota, characters) : 1;
	/* characters held by requests that died come back once their holds
	 * expire, as their credit does */
	if (rc == 0 && release_expired(w, workspace_id) == 0)
		rc = quota_take(w, key_id, quota, characters);
	if (rc != 1) {
		p = rc == 0 ? PROBLEM_KEY_QUOTA : PROBLEM_UNAVAILABLE;
		if (rc < 0)
			snprintf(rp->detail, sizeof(rp->detail),
			    "credits cannot be checked right now");
	}
	if (p == PROBLEM_NONE && db_command(w->db, "COMMIT") < 0) {
		snprintf(rp->detail, sizeof(rp->detail), "credits cannot be checked right now");
		hold_id[0] = '\0';
		return PROBLEM_UNAVAILABLE;
	}
	if (p != PROBLEM_NONE) {
		hold_id[0] = '\0';
		(void)db_command(w->db, "ROLLBACK");
	}
	return p == PROBLEM_KEY_QUOTA ? quota_refusal(w, key_id, quota, characters, rp)
	                              : refused(w, workspace_id, request_id, amount, p);
}

long billing_release_all_expired(struct worker *w)
{
	PGresult *res = db_exec(w->db, STMT_BILLING_RELEASE_ALL_EXPIRED, NULL);
	long n = -1;

	if (res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK)
		n = atol(PQcmdTuples(res));
	PQclear(res);
	return n;
}

/* Returns 1 when res failed with SQLSTATE state. */
static int failed_with(const PGresult *res, const char *state)
{
	const char *got = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	return got != NULL && strcmp(got, state) == 0;
}

/* Inside the transaction: checks and redeems. Returns as billing_redeem(). */
static enum problem redeem_tx(struct worker *w, const char *workspace_id, const char *code,
    long long *amount, long long *balance, struct reply *rp)
{
	const char *lock_params[] = { code }, *params[] = { code, workspace_id };
	PGresult *res = db_exec(w->db, STMT_COUPON_LOCK, lock_params);
	enum problem p = PROBLEM_UNAVAILABLE;

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK)
		snprintf(rp->detail, sizeof(rp->detail), "coupons cannot be redeemed right now");
	else if (PQntuples(res) != 1) {
		snprintf(rp->detail, sizeof(rp->detail), "no coupon %.64s", code);
		p = PROBLEM_NOT_FOUND;
	} else if (strcmp(PQgetvalue(res, 0, 1), "t") != 0 ||
	    strcmp(PQgetvalue(res, 0, 2), "t") != 0) {
		snprintf(rp->detail, sizeof(rp->detail), "coupon %.64s has %s", code,
		    strcmp(PQgetvalue(res, 0, 1), "t") != 0 ? "expired" : "been used up");
		p = PROBLEM_INVALID_FIELD;
	} else
		p = PROBLEM_NONE;
	PQclear(res);
	if (p != PROBLEM_NONE)
		return p;
	res = db_exec(w->db, STMT_COUPON_REDEEM, params);
	if (res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
		*balance = db_num(res, 0, 0);
		*amount = db_num(res, 0, 1);
	} else if (failed_with(res, "23505")) { /* unique_violation: redeemed before */
		snprintf(rp->detail, sizeof(rp->detail),
		    "this workspace has redeemed %.64s already", code);
		p = PROBLEM_CONFLICT;
	} else {
		if (res != NULL)
			log_msg(LOG_LEVEL_ERROR, "coupon redeem: %s", PQresultErrorMessage(res));
		snprintf(rp->detail, sizeof(rp->detail), "coupons cannot be redeemed right now");
		p = PROBLEM_UNAVAILABLE;
	}
	PQclear(res);
	return p;
}

enum problem billing_redeem(struct worker *w, const char *workspace_id, const char *code,
    long long *amount, long long *balance, struct reply *rp)
{
	enum problem p;

	if (db_command(w->db, "BEGIN") < 0) {
		snprintf(rp->detail, sizeof(rp->detail), "coupons cannot be redeemed right now");
		return PROBLEM_UNAVAILABLE;
	}
	p = redeem_tx(w, workspace_id, code, amount, balance, rp);
	if (p == PROBLEM_NONE && db_command(w->db, "COMMIT") < 0) {
		snprintf(rp->detail, sizeof(rp->detail), "coupons cannot be redeemed right now");
		p = PROBLEM_UNAVAILABLE;
	}
	if (p != PROBLEM_NONE)
		(void)db_command(w->db, "ROLLBACK");
	return p;
}

/* The row made earlier under idempotency_key in the namespace of type
 * (operators' or tenants'): Returns PROBLEM_NONE when it is the same
 * change (amount and type), else PROBLEM_IDEMPOTENCY_MISMATCH,
 * PROBLEM_NOT_FOUND (no row has the key) or PROBLEM_UNAVAILABLE. */
static enum problem change_replayed(struct worker *w, const char *workspace_id, long long amount,
    const char *type, const char *idempotency_key, long long *ledger_id, long long *balance,
    struct reply *rp)
{
	const char *params[] = { workspace_id, idempotency_key, type };
	PGresult *res = db_exec(w->db, STMT_LEDGER_BY_KEY, params);
	enum problem p = PROBLEM_UNAVAILABLE;

	if (res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
		p = strcmp(PQgetvalue(res, 0, 2), type) == 0 && db_num(res, 0, 3) == amount
		    ? PROBLEM_NONE
		    : PROBLEM_IDEMPOTENCY_MISMATCH;
		*ledger_id = db_num(res, 0, 0);
		*balance = db_num(res, 0, 1);
	} else if (res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK)
		p = PROBLEM_NOT_FOUND;
	if (p != PROBLEM_NONE)
		snprintf(rp->detail, sizeof(rp->detail), "%s",
		    p != PROBLEM_IDEMPOTENCY_MISMATCH
		        ? "the balance cannot be changed right now"
		        : "this Idempotency-Key was used for another change");
	PQclear(res);
	return p;
}

enum problem billing_change(struct worker *w, const char *workspace_id, long long amount,
    const char *type, const char *reason, const char *idempotency_key, long long *ledger_id,
    long long *balance, struct reply *rp)
{
	char m[24];
	const char *params[] = { workspace_id, m, type, reason, "api", idempotency_key };
	PGresult *res;
	enum problem p = PROBLEM_NONE;

	snprintf(m, sizeof(m), "%lld", amount);
	/* what is taken away may be in the credit lanes: swept back first,
	 * in the change's transaction, so that none is refilled meanwhile */
	if (amount < 0 && (db_command(w->db, "BEGIN") < 0 || sweep_lanes(w, workspace_id) < 0)) {
		(void)db_command(w->db, "ROLLBACK");
		snprintf(rp->detail, sizeof(rp->detail), "the balance cannot be changed right now");
		return PROBLEM_UNAVAILABLE;
	}
	res = db_exec(w->db, STMT_LEDGER_CHANGE, params);
	if (amount < 0) {
		int ran = res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK;
		if (db_command(w->db, ran ? "COMMIT" : "ROLLBACK") < 0 && ran) {
			PQclear(res);
			snprintf(rp->detail, sizeof(rp->detail),
			    "the balance cannot be changed right now");
			return PROBLEM_UNAVAILABLE;
		}
	}
	if (res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
		*ledger_id = db_num(res, 0, 0);
		*balance = db_num(res, 0, 1);
	} else if (failed_with(res, "23505") && idempotency_key != NULL) {
		p = change_replayed(w, workspace_id, amount, type, idempotency_key, ledger_id,
		    balance, rp);
		if (p == PROBLEM_NOT_FOUND)
			p = PROBLEM_UNAVAILABLE;
	} else if (res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK) {
		/* refused now; but a key used before answers with its first
		 * change (or says it was another), whatever the balance is now */
		p = idempotency_key != NULL ? change_replayed(w, workspace_id, amount, type,
		                                  idempotency_key, ledger_id, balance, rp)
		                            : PROBLEM_NOT_FOUND;
		if (p == PROBLEM_NOT_FOUND) {
			snprintf(rp->detail, sizeof(rp->detail),
			    "no such workspace, or the balance would "
			    "fall below what is reserved");
			p = PROBLEM_INVALID_FIELD;
		}
	} else {
		if (res != NULL)
			log_msg(LOG_LEVEL_ERROR, "ledger change: %s", PQresultErrorMessage(res));
		snprintf(rp->detail, sizeof(rp->detail), "the balance cannot be changed right now");
		p = PROBLEM_UNAVAILABLE;
	}
	PQclear(res);
	return p;
}

/* Returns 1 when s is a UUID in its canonical text form. */
static int uuid_valid(const char *s)
{
	for (int i = 0; i < 36; i++) {
		int dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return 0;
	}
	return s[36] == '\0';
}

/* Returns 1 when workspace_id is a UUID that names a workspace, 0 when
 * not or when it cannot be looked up. */
static int workspace_exists(struct worker *w, const char *workspace_id)
{
	const char *params[] = { workspace_id };
	PGresult *res =
	    uuid_valid(workspace_id) ? db_exec(w->db, STMT_WORKSPACE_GET, params) : NULL;
	int found = res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;

	PQclear(res);
	return found;
}

enum problem billing_operator_change(struct worker *w, const char *workspace_id, long long amount,
    const char *type, const char *reason, const char *idempotency_key, long long *ledger_id,
    long long *balance, struct reply *rp)
{
	if (!workspace_exists(w, workspace_id)) {
		snprintf(rp->detail, sizeof(rp->detail), "no workspace %.40s", workspace_id);
		return PROBLEM_NOT_FOUND;
	}
	return billing_change(w, workspace_id, amount, type, reason, idempotency_key, ledger_id,
	    balance, rp);
}

enum problem billing_coupon_create(struct worker *w, const char *code, long long amount,
    long long max_redemptions, const char *expires_at, struct reply *rp)
{
	char amt[24], max[24];
	const char *params[] = { code, amt, max, expires_at };
	PGresult *res;
	const char *state;
	enum problem p = PROBLEM_NONE;

	snprintf(amt, sizeof(amt), "%lld", amount);
	snprintf(max, sizeof(max), "%lld", max_redemptions);
	res = db_exec(w->db, STMT_COUPON_CREATE, params);
	state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		/* 23505 unique_violation: the code exists; class 22 or 23: a code or a
		 * time the schema refuses */
		p = state == NULL                 ? PROBLEM_UNAVAILABLE
		    : strcmp(state, "23505") == 0 ? PROBLEM_CONFLICT
		    : strncmp(state, "22", 2) == 0 || strncmp(state, "23", 2) == 0
		    ? PROBLEM_INVALID_FIELD
		    : PROBLEM_UNAVAILABLE;
		snprintf(rp->detail, sizeof(rp->detail), "%s",
		    p == PROBLEM_CONFLICT ? "a coupon with this code exists"
		        : p == PROBLEM_INVALID_FIELD
		        ? "code must be 3 to 64 of [A-Za-z0-9_-], expires_at an ISO 8601 time"
		        : "coupons cannot be created right now");
	}
	PQclear(res);
	return p;
}
