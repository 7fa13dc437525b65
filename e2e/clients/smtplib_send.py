#!/usr/bin/env python3
"""Sends one message with Python's standard-library smtplib, the way a Python app would:
ehlo, starttls, ehlo, login, sendmail. Prints the EHLO features after STARTTLS and the
final reply as JSON, so the test can assert on them."""
import json
import smtplib
import ssl
import sys
from email.message import EmailMessage

host, port, user, key, sender, recipient, subject = sys.argv[1:8]

message = EmailMessage()
message["From"] = sender
message["To"] = recipient
message["Subject"] = subject
message.set_content("Sent by Python smtplib.\nhttps://example.com/python-link\n")

context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE  # the test server's certificate is self-signed

with smtplib.SMTP(host, int(port), timeout=20) as smtp:
    smtp.ehlo("python.test")
    plain_features = dict(smtp.esmtp_features)
    smtp.starttls(context=context)
    smtp.ehlo("python.test")
    tls_features = dict(smtp.esmtp_features)
    smtp.login(user, key)
    # sendmail() hides the DATA reply; send the pieces ourselves to see the 250 text.
    code, _ = smtp.mail(sender)
    assert code == 250, code
    code, _ = smtp.rcpt(recipient)
    assert code == 250, code
    code, reply = smtp.data(message.as_bytes())
    print(json.dumps({
        "plainFeatures": plain_features,
        "tlsFeatures": tls_features,
        "dataCode": code,
        "dataReply": reply.decode("utf-8", "replace"),
    }))
