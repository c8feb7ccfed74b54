"""Reports that arrive by mail: ``fetch`` reads the bureau's mailbox over IMAP into the input
folder (intake/fetch.py), and every sender gets a receipt draft the same day (intake/receipts.py).

Both are library functions that print nothing and raise ``lingong.errors``: the command line and
the clerk's web page are faces over them."""
