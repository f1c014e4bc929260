"""Demo data. ``base.seed`` makes organisations, people and patients; each feature adds its
own objects through a function in EXTENSIONS, called with the base objects. Every step is
idempotent: running the command twice changes nothing the second time."""

EXTENSIONS = [
    "referrals.demo.seed",
    "pathways.demo.plans.seed",
    "pathways.demo.meetings.seed",
    "pathways.demo.discharge.seed",
]
