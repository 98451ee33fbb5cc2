"""E-mail for C1: replies to offline shoppers go out through an outbox that never loses a message, and
customers' e-mailed answers come back into the right conversation.

One module per job: `config` (the mail settings services see), `compose` (an outbox row → an e-mail),
`transport` (SMTP or a folder of .eml files), `outbox` (claim, send, record, retry, the background loop),
`reply_addresses` (the hashed reply+<token>@ tokens), `inbound_text` (a raw e-mail → its tokens and new text, stdlib
only), `mail_reader` (that, in a worker process), `inbound` (a raw e-mail → a customer message) and
`smtp_receiver` (the optional built-in SMTP server).
"""
