"""The peer protocol: what nodes send each other, and how each side makes it reliable.

* `wire` — a batch on the wire and the answers' statuses;
* `kinds` — every kind of message, declared once, with the header each carries;
* `incoming` — a partner's message verified once, before a word of it is believed, and the
  one refusal of a document that speaks for another party (`require_party`);
* `inbox` / `outbox` — what this node answered (a repeat gets the same answer) and what it
  owes its partners (never lost, FLASH first);
* `answers` — the signed answer batch; `witness` — the partner's proof that it logged a
  receipt; `worker`, `backoff` — delivery until each message is answered.

The signatures themselves are `gsomia.seal`'s; what a message means is the node's.
"""
