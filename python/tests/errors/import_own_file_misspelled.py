# Shows: importing the example's helper file by a wrong name (helper for helpers.py).
# Files: import_own_file_misspelled/helpers.py
# Kind: ModuleNotFoundError
# Line: 6
# Mentions: helper, helpers.py, import helpers
import helper
