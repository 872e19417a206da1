"""Alert delivery: dedup state, quiet hours, escalation, webhooks (signed), e-mail, outbox.

``dispatch`` is the one entry point; the parts are separate so each can be tested
alone and replaced (the clock and the sleep are passed in, never read globally).
"""
