# Shows: re.match found nothing (None), then .group() on it.
# Kind: AttributeError
# Line: 8
# Mentions: None, group, match
import re

found = re.match(r"\d+", "abc")
print(found.group())
