# outcome: error
# exit_code: null
import ctypes
ctypes.string_at(0)
