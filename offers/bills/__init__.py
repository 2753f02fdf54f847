"""Bills read into usage lines: each module reads one vendor's usage or cost export."""
