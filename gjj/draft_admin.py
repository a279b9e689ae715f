"""The 政策管理 role's drafts: future rows, their impact preview and their confirmation."""
