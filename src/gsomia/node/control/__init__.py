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
- `onward`: onward release with consent, and the third nation's acceptance (R12)
- `hub`: hub rules and forwarding under a multilateral arrangement (R47)
- `handover`: sending an item to a third nation and the case that follows it (R12, R47)
- `receipt`: custody passes on the third nation's receipt; the report to the originator (R28)
- `custody_chain`: who holds an item and by which path; this node's releases (R12, R17)
- `notices`: classification changes by the originator, and the holders' acknowledgements (R14)
- `remarking`: a holder applies the originator's notice; its own change is refused (R14)
- `notice_case`: the notice case both sides keep, and its view (R14)
- `marks`: labels, copies, translations and derivatives re-marked by a change (R8, R14)
- `copies`: numbered copies and translations of a holding (R15, R29, R30)
- `derivatives`: extracts, summaries and compilations (R8)
- `inventory`: a holding's custody here, what was made of it, who read it (R17)
- `disposal`: destruction and return to the originator (R18, R31, R32)
- `compromise`: the loss or compromise case, its view, the originator's answers (R37)
- `loss_report`: reporting a loss, and the originator's notification (R37)
- `investigation`: findings, measures and closing a compromise case (R37)
- `disputes`: consultation cases (R46)
- `visits`: the visiting party asks; the visit as both sides keep it (R23, R24)
- `visit_host`: only the host approves or refuses, and caps what a visitor is shown (R23)
"""
