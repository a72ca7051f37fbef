"""placeholder"""
TITLE = "throughput"
def run(size='full', workdir=None):
    raise NotImplementedError
