"""The originator stays in control after its item has left (issue 5; ADR 0060).

Each workflow is one module: what an officer or user asks of this node, the signed messages it
sends the partner (`messages.send`), the handler that applies the partner's (`HANDLERS`) and
the hook that learns the partner's answer (`ANSWERED`); `workflows` is their table of contents.
Cases and their steps are kept by `casebook`.

- `consent`: the holder asks consent to onward release and learns the answer (R12)
- `consent_decisions`: the originator grants, refuses or revokes consent (R12)
- `consent_cases`: the consent case both sides keep, its view, the consent held (R12)
- `purposes`: approvals of new purposes for a holding, and use for a purpose (R13)
- `originator`: what the originator provided, and the documents it signs (R12, R13)
- `onward`: onward release with consent, hub forwarding, the chain of custody (R12, R17, R47)
- `notices`: classification changes by the originator, and the holders' acknowledgements (R14)
- `remarking`: a holder applies the originator's notice; its own change is refused (R14)
- `notice_case`: the notice case both sides keep, and its view (R14)
- `marks`: labels, copies, translations and derivatives re-marked by a change (R8, R14)
- `custody`: copies, translations, derivatives and the inventory (R8, R15-R17, R29, R30)
- `disposal`: destruction and return to the originator (R18, R31, R32)
- `compromise`, `disputes`: loss reports and consultation cases (R37, R46)
- `visits`: visit requests approved by the host only (R23, R24)
"""
