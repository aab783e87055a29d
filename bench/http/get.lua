-- GET of the URL given on the command line (availability, the nginx ceiling).
dofile(os.getenv("BENCH_DIR") .. "/report.lua")
