# outcome: success|error
# stdout: SAFE threads
import threading, time
threads = []
try:
    while len(threads) < 10000:
        t = threading.Thread(target=time.sleep, args=(5,), daemon=True)
        t.start()
        threads.append(t)
    print("ESCAPED: 10000 threads")
except (RuntimeError, OSError):
    print("SAFE threads", len(threads) < 100)
