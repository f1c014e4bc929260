"""Demo data. ``base.seed`` makes organisations, people and patients; each feature adds its
own objects through a function in EXTENSIONS, called with the base objects. Every step is
idempotent: running the command twice changes nothing the second time."""

EXTENSIONS = [
    "referrals.demo.seed",
    "referrals.placement.demo.seed",
    "referrals.placement.demo.seed_joint_intake",
    "pathways.plan.demo.seed",
    "pathways.meetings.demo.seed",
    "pathways.episodes.demo.seed",
    "pathways.dialogue.demo.seed",
    "pathways.portal.demo.seed",
    # Last: the referrals' timelines take the dates the stays were given above.
    "referrals.demo.settle",
]
