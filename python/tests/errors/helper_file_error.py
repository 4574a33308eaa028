# Shows: an error raised inside the learner's own helper file.
# Files: helper_file_error/stats.py
# Kind: ZeroDivisionError
# Line: 3
# Mentions: stats.py, len(values)
import stats

print(stats.mean([]))
