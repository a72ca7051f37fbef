"""placeholder"""
TITLE = "scale"
def run(size='full', workdir=None):
    raise NotImplementedError
