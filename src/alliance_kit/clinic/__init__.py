"""The clinic's services: who may see what, accounts, the kiosk, the dashboard, exports.

Everything that reads or writes client data goes through here, access-checked and audited,
on top of the engine (scoring) and the store (the database).
"""
