// @scantrail/orthanc-local: a local Orthanc (Debian's packages) for `npm start`, the
// end-to-end tests and the bridge benchmark, and demo studies to load into it.
export {
  DICOMWEB_PLUGIN,
  JOB_JOURNAL_HOOK,
  ORTHANC_BINARY,
  orthancConfiguration,
  orthancInstalled,
  startLocalOrthanc,
  type DicomModality,
  type LocalOrthanc,
  type LocalOrthancExit,
  type LocalOrthancOptions,
  type OrthancPorts,
} from './local-orthanc';
export {
  CT_IMAGE_STORAGE,
  dicomFileOf,
  dicomFilesOf,
  instancesOf,
  newUid,
  sendWithStorescu,
  uploadStudy,
  type DemoInstance,
  type DemoSeries,
  type OrthancAuth,
  type DemoStudy,
} from './demo-studies';
