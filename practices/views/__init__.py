"""HTTP glue for practices: ``browse`` (lists, detail, search, feeds, exports) and ``authoring``
(drafting, editing, submitting, attachments, adoptions)."""
