"""Norwegian date formats as the pages write them: 2.1.2027, not Django's 02.01.2027.

Only the names set here differ from Django's own nb formats; the rest fall through to them.
"""

SHORT_DATE_FORMAT = "j.n.Y"
SHORT_DATETIME_FORMAT = "j.n.Y H:i"
