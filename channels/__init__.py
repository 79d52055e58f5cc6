"""Contact channels: message templates and rendering, email over SMTP; the rest goes out through the outbox."""
