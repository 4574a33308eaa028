# Shows: opening a file with a misspelled name; the example's file is scores.csv.
# Files: file_not_found/scores.csv
# Kind: FileNotFoundError
# Line: 6
# Mentions: score.csv, scores.csv, working folder
with open("score.csv") as f:
    print(f.read())
