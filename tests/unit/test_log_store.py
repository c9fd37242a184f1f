"""The log's hash blocks kept by a reading process: what was read of a block stays true
(blocks only grow at their end), and a node past what is kept is read again."""

from registry_client.tlog.tree import MerkleTree
from services.verification.log.store import ReadModelLogStore
from tests.fakes import InMemoryReadModelStore


class CountingStore(InMemoryReadModelStore):
    def __init__(self):
        super().__init__()
        self.reads = 0

    def get_many(self, collection, keys):
        self.reads += 1
        return super().get_many(collection, keys)


def test_a_reader_keeps_the_hashes_it_read_and_reads_again_past_them():
    store = CountingStore()
    written = MerkleTree(ReadModelLogStore(store))
    reader = ReadModelLogStore(store, keep_blocks=True)
    read = MerkleTree(reader)
    written.append([b"a", b"b", b"c"])
    assert read.inclusion_proof(1, 3) == written.inclusion_proof(1, 3)
    reads = store.reads
    assert read.inclusion_proof(1, 3) == written.inclusion_proof(1, 3)
    assert store.reads == reads + 1  # the writer's tree read; the reader kept its blocks
    written.append([f"leaf {n}".encode() for n in range(300)])  # past one block of 256
    size = written.size
    for index in (0, 2, 3, 255, 256, size - 1):
        assert read.inclusion_proof(index, size) == written.inclusion_proof(index, size)
    assert read.root(size) == written.root(size)
