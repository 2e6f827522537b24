package gc203

import "sync"

// jobRunner hands jobs to a bounded pool of upload workers.
type jobRunner interface {
	Execute(job func())
}

// uploadPipeline seals full chunks and uploads them in the background.
// moveToSealed is called with chunksLock held; it drops the lock while it
// submits the upload (the upload job takes the lock itself) and takes it
// back before returning, so its callers still hold it afterwards.
type uploadPipeline struct {
	chunksLock sync.Mutex
	uploaders  jobRunner
	writable   map[int][]byte
	sealed     map[int][]byte
}

func (up *uploadPipeline) moveToSealed(index int) {
	chunk := up.writable[index]
	up.sealed[index] = chunk
	delete(up.writable, index)

	up.chunksLock.Unlock()
	up.uploaders.Execute(func() {
		up.chunksLock.Lock()
		defer up.chunksLock.Unlock()
		delete(up.sealed, index)
	})
	up.chunksLock.Lock()
}

// ok: moveToSealed gives chunksLock back before it returns.
func (up *uploadPipeline) SaveDataAt(index int, data []byte) {
	up.chunksLock.Lock()
	defer up.chunksLock.Unlock()
	up.writable[index] = append(up.writable[index], data...)
	if len(up.writable[index]) >= 4<<20 {
		up.moveToSealed(index)
	}
}

// ok: two seals in a row under one hold.
func (up *uploadPipeline) FlushAll() {
	up.chunksLock.Lock()
	for index := range up.writable {
		up.moveToSealed(index)
	}
	up.chunksLock.Unlock()
}

// submitSealed drops the lock for the upload but, unlike moveToSealed,
// never takes it back.
func (up *uploadPipeline) submitSealed(index int) {
	up.sealed[index] = up.writable[index]
	delete(up.writable, index)
	up.chunksLock.Unlock()
	up.uploaders.Execute(func() {
		up.chunksLock.Lock()
		defer up.chunksLock.Unlock()
		delete(up.sealed, index)
	})
}

func (up *uploadPipeline) SealNow(index int) {
	up.chunksLock.Lock()
	defer up.chunksLock.Unlock() // want "Unlock of up.chunksLock which is not locked"
	up.submitSealed(index)
}
