# Shows: importing a package that PyGuide does not offer.
# Kind: ModuleNotFoundError
# Line: 5
# Mentions: requests, numpy, standard library
import requests
