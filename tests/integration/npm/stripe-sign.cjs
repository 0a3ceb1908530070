// Prints the Stripe-Signature header the official stripe package makes for
// a payload (read from a file), a secret and a timestamp:
//   node stripe-sign.cjs PAYLOAD_FILE SECRET TIMESTAMP
const fs = require('fs');
const stripe = require('stripe')('sk_test_unused');

const [file, secret, timestamp] = process.argv.slice(2);
process.stdout.write(stripe.webhooks.generateTestHeaderString({
  payload: fs.readFileSync(file, 'utf8'),
  secret,
  timestamp: Number(timestamp),
}));
