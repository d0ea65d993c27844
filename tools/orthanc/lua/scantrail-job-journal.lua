-- scantrail job journal: appends every successful send job (Orthanc peer, DICOM modality,
-- DICOMweb STOW) to a file the bridge reads, one JSON line per job. Orthanc forgets jobs
-- beyond JobsHistorySize; this file does not, so no send is missed however many jobs
-- complete between two looks of the bridge. Orthanc setting: "ScantrailJobJournal": "<path>".

local SEND_JOB_TYPES = {
  OrthancPeerStore = true,
  DicomModalityStore = true,
  DicomWebStowClient = true,
}

local function journalPath()
  return GetOrthancConfiguration()['ScantrailJobJournal']
end

local function appendLine(record)
  local path = journalPath()
  if path == nil then
    print('scantrail job journal: ScantrailJobJournal is not set; nothing recorded')
    return
  end
  local file = assert(io.open(path, 'a'))
  file:write(DumpJson(record, true) .. '\n')
  file:flush()
  file:close()
end

-- The study uids behind a job's resources, read now: the resources may be deleted later.
local function studyUidOf(studyId)
  local ok, body = pcall(RestApiGet, '/studies/' .. studyId)
  if not ok or body == nil or body == '' then return nil end
  return ParseJson(body)['MainDicomTags']['StudyInstanceUID']
end

local function studiesOf(resourceId, into)
  for _, level in ipairs({ 'studies', 'series', 'instances', 'patients' }) do
    local ok, body = pcall(RestApiGet, '/' .. level .. '/' .. resourceId)
    if ok and body ~= nil and body ~= '' then
      local resource = ParseJson(body)
      if level == 'studies' then
        into[resource['MainDicomTags']['StudyInstanceUID']] = true
      elseif level == 'patients' then
        for _, study in ipairs(resource['Studies']) do
          local uid = studyUidOf(study)
          if uid ~= nil then into[uid] = true end
        end
      else
        local uid = studyUidOf(resource['ParentStudy'])
        if uid ~= nil then into[uid] = true end
      end
      return
    end
  end
end

function OnJobSuccess(jobId)
  local job = ParseJson(RestApiGet('/jobs/' .. jobId))
  if not SEND_JOB_TYPES[job['Type']] then return end
  local studies = {}
  local content = job['Content'] or {}
  for _, resource in ipairs(content['ParentResources'] or content['Resources'] or {}) do
    local id = resource
    if type(resource) == 'table' then id = resource['ID'] end
    if id ~= nil then studiesOf(id, studies) end
  end
  local uids = {}
  for uid, _ in pairs(studies) do table.insert(uids, uid) end
  appendLine({
    Kind = 'job',
    ID = jobId,
    Type = job['Type'],
    CompletionTime = job['CompletionTime'],
    Content = content,
    StudyInstanceUids = uids,
  })
end

-- One line at every Orthanc start, so the bridge can check the hook runs and with which
-- settings (the REST API does not show Orthanc's configuration).
local config = GetOrthancConfiguration()
appendLine({
  Kind = 'hook-started',
  Hook = 'scantrail-job-journal',
  HookVersion = '1',
  JobsHistorySize = config['JobsHistorySize'] or 10,
  StableAge = config['StableAge'] or 60,
  Name = config['Name'] or 'MyOrthanc',
})
