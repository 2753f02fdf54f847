"""The pages: the browse pages (browse/), the estimate page (estimate/), feeds, form widgets, the
per-version page cache, rate limits and the context processor. The top layer with offers.api."""
