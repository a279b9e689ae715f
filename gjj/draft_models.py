"""Policy drafts: future rows a 政策管理 user previews before a second person confirms them."""
