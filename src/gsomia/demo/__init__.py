"""`gsomia demo`: three nations' nodes on this machine, and one FLASH item's way through them.

The story of DESIGN.md, told over real node processes (`gsomia.devnet`) through their APIs:
steps 1–5 the item's way from KOR to JPN (`delivery`), 6–8 its originator in control after it
left (`control`), 9 notice of termination (`termination`), 10 a bundle by courier to an
air-gapped JPN and its receipt back (`courier`), 11 the logs verified and cosigned (`audit`).
`story` holds the thread; `run` starts the network and tells the whole story.
"""
