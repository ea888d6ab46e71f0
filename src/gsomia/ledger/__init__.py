"""gsomia.ledger: the tamper-evident log, pure (no I/O, no clock).

- `merkle`: RFC 6962/9162 hashing; proofs planned over stored perfect subtrees; verification.
- `frontier`: the right edge of the tree; appends and the subtrees each leaf completes.
- `events`: `LogEvent` and its RFC 8785 canonical bytes (the leaf).
- `note`, `checkpoint`, `cosignature`: C2SP signed-note, tlog-checkpoint, tlog-cosignature.
- `note_keys`: named signers/verifiers for notes and cosignatures, over a sign function and a
  signature check given from outside (Ed25519, `gsomia.seal.notes`): the ledger imports no crypto.
- `witness`: the tlog-witness decision: cosign a consistent extension, or refuse with evidence
  (and which refusals are evidence to keep); `cosignature.accept_cosignatures` is the log's side.
- `policy`: when a log signs its next checkpoint.
- `audit`: recompute a stored log and name the first altered entry.
- `tail`: inclusion proofs of the newest entries from the frontier and their leaves (receipts).
- `bundle`: an inclusion proof with its checkpoint, verifiable offline.
- `memory`: an in-memory log for tests and tools. The SQL log is in `gsomia.store`
  (`merkle_log`, `checkpoints`, `witnessing`; `ledger.SqlLog` over them all).
"""
