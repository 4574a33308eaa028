# Shows: importing a package that PyGuide does not offer.
# Kind: ModuleNotFoundError
# Line: 5
# Mentions: pygame, numpy, standard library
import pygame
