"""Post-quantum signature operations made by this process, counted where they happen.

Issue 12 asks for signatures per item "counted in the code path, not estimated": every ML-DSA
signature and verification in gsomia goes through `gsomia.seal.jose`'s two raw functions,
which add to `PQ_SIGNATURES` here. The node's metric (`gsomia_pq_signature_operations`) and the
benchmark read it. It is per process: nodes sharing one process (tests) share the count.
"""

from __future__ import annotations

from collections import Counter

#: "sign" and "verify" → how many ML-DSA operations this process made.
PQ_SIGNATURES: Counter[str] = Counter()
