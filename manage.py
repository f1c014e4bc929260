#!/usr/bin/env python
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # manage.py is the developer's tool, so it defaults to DEBUG on. Servers and workers start
    # through config/wsgi.py and config/celery.py, where DEBUG is off unless set; production
    # commands set DEBUG=false explicitly (see README and docker-compose.yml).
    os.environ.setdefault("DEBUG", "true")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
