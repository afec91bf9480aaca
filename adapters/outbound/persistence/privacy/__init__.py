"""Every area's ``PersonalData`` section over SQL (ADR 22), one module per area, each reading
its area's tables; ``sections.SECTIONS`` lists them all, in one place."""
