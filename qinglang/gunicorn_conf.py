"""Gunicorn settings shared by `qinglang up` and the documented production command.

The access log never records the client address or User-Agent (nor the query string): a line
with a timestamp and an address would join to a report and end the reporter's anonymity.
Use it with `gunicorn -c python:qinglang.gunicorn_conf qinglang.wsgi:application`.
"""

accesslog = "-"
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
graceful_timeout = 10
control_socket_disable = True
