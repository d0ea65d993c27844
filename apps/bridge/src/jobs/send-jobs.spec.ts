import {
  instancesCount,
  resolveDestination,
  sendJobOf,
  shownDestination,
  type SendJob,
  type UnrecordableSendJob,
} from './send-jobs';

const directory = {
  peers: { 'vendor-acme': { Url: 'http://10.0.0.5:8042/' } },
  modalities: {
    lab: { AET: 'LAB', Host: '10.0.0.6', Port: 104 },
    twinA: { AET: 'TWIN', Host: '10.0.0.7', Port: 104 },
    twinB: { AET: 'TWIN', Host: '10.0.0.8', Port: 104 },
  },
  dicomWebServers: { cloud: { Url: 'https://cloud.example/dicom-web/' } },
};

describe('sendJobOf', () => {
  it('should read a peer store job of /jobs with its completion time as UTC', () => {
    expect(
      sendJobOf({
        ID: 'j1',
        Type: 'OrthancPeerStore',
        State: 'Success',
        CompletionTime: '20261203T121639.108785',
        Content: { Peer: ['http://10.0.0.5:8042/'], ParentResources: ['s1', 's2'] },
      }),
    ).toEqual({
      jobId: 'j1',
      kind: 'peer',
      jobType: 'OrthancPeerStore',
      completedAt: '2026-12-03T12:16:39.108Z',
      peerUrl: 'http://10.0.0.5:8042/',
      remoteAet: undefined,
      dicomWebServer: undefined,
      resources: ['s1', 's2'],
      studyInstanceUids: undefined,
    });
  });

  it('should read a journal line whose empty study list Lua wrote as an object', () => {
    const job = sendJobOf({
      ID: 'j2',
      Type: 'DicomModalityStore',
      State: 'Success',
      CompletionTime: '20261203T121639',
      Content: { RemoteAet: 'LAB', ParentResources: {} },
      StudyInstanceUids: {},
    });
    expect(job).toMatchObject({
      kind: 'modality',
      remoteAet: 'LAB',
      resources: [],
      studyInstanceUids: [],
    });
  });

  it.each([
    [
      {
        ID: 'j',
        Type: 'ResourceModification',
        State: 'Success',
        CompletionTime: '20261203T121639',
      },
    ],
    [{ ID: 'j', Type: 'OrthancPeerStore', State: 'Failure', CompletionTime: '20261203T121639' }],
  ])('should ignore %j', (job) => {
    expect(sendJobOf(job)).toBeUndefined();
  });

  it.each([
    ['no CompletionTime', undefined, 'Orthanc gave no CompletionTime'],
    ['an RFC 3339 time', '2026-12-03T12:16:39Z', 'CompletionTime is not'],
    ['a month 13', '20261303T121639', 'CompletionTime is not'],
    ['text holding a Patient ID', 'MRN-004211', 'CompletionTime is not'],
  ])(
    'should keep a successful send whose completion time is unusable (%s) as unrecordable, with the reason and never the value',
    (_, CompletionTime, reason) => {
      const job = sendJobOf({
        ID: 'j3',
        Type: 'DicomModalityStore',
        State: 'Success',
        CompletionTime,
        Content: { RemoteAet: 'LAB', ParentResources: ['s1'] },
      });
      expect(job).toEqual({
        jobId: 'j3',
        kind: 'modality',
        jobType: 'DicomModalityStore',
        reported: 'LAB',
        reason: 'completion_time',
        unrecordable: expect.stringContaining(reason) as string,
      });
      expect(JSON.stringify(job)).not.toContain('MRN');
      expect(JSON.stringify(job)).not.toContain('2026-12-03T12');
    },
  );
});

describe('sendJobOf and a completion time ahead of the bridge', () => {
  const now = Date.UTC(2026, 11, 7, 12, 0, 0);
  const job = (CompletionTime: string) =>
    sendJobOf(
      {
        ID: 'jf',
        Type: 'OrthancPeerStore',
        State: 'Success',
        CompletionTime,
        Content: { Peer: ['http://10.0.0.5:8042/'], ParentResources: ['s1'] },
      },
      now,
    );

  // A job cannot have completed after the bridge read it: Orthanc's clock is wrong (or the
  // job made up), and a disclosure dated years ahead would stay out of every accounting
  // until then (its default period ends now).
  it.each([
    ['a day ahead', '20261208T120000'],
    ['in year 9999', '99991231T235959'],
    ['eleven minutes ahead', '20261207T121100'],
  ])('should keep a send completed %s as unrecordable, never published', (_name, time) => {
    expect(job(time)).toEqual({
      jobId: 'jf',
      kind: 'peer',
      jobType: 'OrthancPeerStore',
      reported: 'http://10.0.0.5:8042/',
      reason: 'completion_time',
      unrecordable: "CompletionTime is later than the bridge's clock by more than 10 minutes",
    });
  });

  it('should record a send completed up to ten minutes ahead (clocks of two hosts differ)', () => {
    expect(job('20261207T121000')).toMatchObject({ completedAt: '2026-12-07T12:10:00.000Z' });
  });
});

describe('sendJobOf and DICOMweb STOW jobs', () => {
  const stow = (Content: Record<string, unknown>) =>
    sendJobOf({
      ID: 'j4',
      Type: 'DicomWebStowClient',
      State: 'Success',
      CompletionTime: '20261207T082850.752735',
      Content,
    });

  it.each([
    // What Debian 12's Orthanc 1.10.1 with DICOMweb 1.7 reports, asynchronous or not.
    [
      'counts only',
      { InstancesCount: '4', NetworkSizeMB: '0' },
      'names no DICOMweb server',
      { instances: 4 },
    ],
    ['resources without a server', { Resources: ['s1'] }, 'names no DICOMweb server', {}],
    [
      'a server without resources',
      { ServerName: 'cloud', Resources: {} },
      'names no resources',
      { reported: 'cloud' },
    ],
  ])(
    'should keep a STOW job naming %s as unrecordable with what Orthanc said of it, never as a send to guess or hold',
    (_, content, why, said) => {
      expect(stow(content)).toEqual({
        jobId: 'j4',
        kind: 'dicomweb',
        jobType: 'DicomWebStowClient',
        completedAt: '2026-12-07T08:28:50.752Z',
        ...said,
        reason: 'dicomweb_unnamed',
        unrecordable: expect.stringContaining(why) as string,
      });
    },
  );

  it('should read the server and every resource of a STOW job listing them by level', () => {
    expect(
      stow({ ServerName: 'cloud', Resources: { Studies: ['s1'], Series: ['r1', 'r2'] } }),
    ).toMatchObject({
      kind: 'dicomweb',
      dicomWebServer: 'cloud',
      completedAt: '2026-12-07T08:28:50.752Z',
      resources: ['s1', 'r1', 'r2'],
    });
  });
});

describe('instancesCount', () => {
  it.each([
    ['4', 4],
    [4, 4],
    [' 12 ', 12],
    ['0', 0],
  ])('should read Orthanc InstancesCount %j as %d', (value, count) => {
    expect(instancesCount(value)).toBe(count);
  });

  it.each([undefined, null, '', '-1', '1.5', '4 instances', 1.5, -1, '1e3', '12345678901', {}])(
    'should read no count from %j rather than guess one',
    (value) => {
      expect(instancesCount(value)).toBeUndefined();
    },
  );
});

describe('resolveDestination', () => {
  const job = (content: Record<string, unknown>, Type: string) =>
    sendJobOf({
      ID: 'j',
      Type,
      State: 'Success',
      CompletionTime: '20261203T121639',
      Content: content,
    }) as SendJob;

  it('should name a peer by its URL, whatever the trailing slash', () => {
    const resolved = resolveDestination(
      job({ Peer: ['http://10.0.0.5:8042'] }, 'OrthancPeerStore'),
      directory,
    );
    expect(resolved).toEqual({
      kind: 'peer',
      name: 'vendor-acme',
      reported: 'http://10.0.0.5:8042',
    });
  });

  it('should name a modality by its AET, and none when two modalities share it', () => {
    expect(
      resolveDestination(job({ RemoteAet: 'LAB' }, 'DicomModalityStore'), directory).name,
    ).toBe('lab');
    expect(
      resolveDestination(job({ RemoteAet: 'TWIN' }, 'DicomModalityStore'), directory).name,
    ).toBeUndefined();
  });

  it('should name a DICOMweb server by name or URL', () => {
    const stow = (server: string) =>
      job({ Server: server, Resources: ['s1'] }, 'DicomWebStowClient');
    expect(resolveDestination(stow('cloud'), directory).name).toBe('cloud');
    expect(resolveDestination(stow('https://cloud.example/dicom-web'), directory).name).toBe(
      'cloud',
    );
    expect(resolveDestination(stow('elsewhere'), directory).name).toBeUndefined();
  });
});

describe('sendJobOf and the study uids of a journal line', () => {
  const job = (StudyInstanceUids: unknown) =>
    sendJobOf({
      ID: 'ju',
      Type: 'OrthancPeerStore',
      State: 'Success',
      CompletionTime: '20261203T121639',
      Content: { Peer: ['http://10.0.0.5:8042/'], ParentResources: ['s1'] },
      StudyInstanceUids,
    }) as SendJob;

  it('should keep uids that are DICOM UIDs', () => {
    expect(job(['1.2.840.10008.1', '2.25.0', '1.02.3']).studyInstanceUids).toEqual([
      '1.2.840.10008.1',
      '2.25.0',
      '1.02.3',
    ]);
  });

  it.each([
    ['a NUL', ['1.2.3\u0000']],
    ['a Patient ID', ['1.2.3', 'MRN-004211']],
    ['65 characters', [`1.${'2'.repeat(63)}`]],
    ['an empty component', ['1..3']],
    ['an empty string', ['']],
  ])('should ask Orthanc instead when one uid has %s', (_name, uids) => {
    const read = job(uids);
    expect(read.studyInstanceUids).toBeUndefined();
    expect(read.resources).toEqual(['s1']);
  });
});

describe('resolveDestination and names of Object.prototype', () => {
  // A job reports whatever server name it likes; a plain object's prototype has these.
  it.each(['constructor', 'toString', 'hasOwnProperty', '__proto__', 'valueOf'])(
    'should find no DICOMweb server %s in a directory without it',
    (server) => {
      const job = sendJobOf({
        ID: 'jp',
        Type: 'DicomWebStowClient',
        State: 'Success',
        CompletionTime: '20261203T121639',
        Content: { ServerName: server, Resources: { Studies: ['s1'] } },
      }) as SendJob;
      expect(resolveDestination(job, directory)).toEqual({
        kind: 'dicomweb',
        name: undefined,
        reported: server,
      });
    },
  );
});

describe('shownDestination', () => {
  // A peer configured in Orthanc as http://user:password@host/ is reported so in its jobs:
  // held and unrecorded sends keep what a job reported, the API shows it, logs name it.
  it.each([
    ['http://bridge:S3cret@10.0.0.9:8042/', 'http://***@10.0.0.9:8042/'],
    ['https://user@vendor.example/dicom-web', 'https://***@vendor.example/dicom-web'],
    ['HTTPS://a:b:c@host', 'HTTPS://***@host'],
    ['http://10.0.0.9:8042/path@x', 'http://10.0.0.9:8042/path@x'],
    ['http://10.0.0.9:8042?u=a@b', 'http://10.0.0.9:8042?u=a@b'],
    ['LAB', 'LAB'],
    ['cloud', 'cloud'],
    ['http://bridge:S3cret@[fd00::9]:8042/', 'http://***@[fd00::9]:8042/'],
    ['http://bridge@[::1]/', 'http://***@[::1]/'],
    ['https://a%40b:p%3A%2F%40ss@vendor.example/', 'https://***@vendor.example/'],
    ['https://u:p@ss@vendor.example/', 'https://***@vendor.example/'],
    ['  https://u:p@vendor.example/', '  https://***@vendor.example/'],
    ['dicomweb+https://u:p@vendor.example/', 'dicomweb+https://***@vendor.example/'],
    ['ftp://u:p@vendor.example/', 'ftp://***@vendor.example/'],
    ['https://vendor.example/studies/a@b?x=1#c@d', 'https://vendor.example/studies/a@b?x=1#c@d'],
  ])('should show %s as %s', (reported, shown) => {
    expect(shownDestination(reported)).toBe(shown);
  });

  // A hostile or broken Orthanc names what it likes: PostgreSQL refuses NUL in text, so one
  // such job failed every write of the bridge's step (and every later send with it).
  it.each([
    ['NUL', 'http://10.0.0.9\u0000:8042/', 'http://10.0.0.9\ufffd:8042/'],
    ['CR LF', 'LAB\r\nforged line', 'LAB\ufffd\ufffdforged line'],
    ['a lone surrogate', 'cloud\ud800', 'cloud\ufffd'],
    ['a bidi override', 'cloud\u202eduolc', 'cloud\ufffdduolc'],
  ])(
    'should show a destination holding %s with each such character replaced',
    (_n, reported, shown) => {
      expect(shownDestination(reported)).toBe(shown);
    },
  );

  it('should keep 512 astral characters whole, and cut 513', () => {
    expect(shownDestination('\u{1F600}'.repeat(512))).toBe('\u{1F600}'.repeat(512));
    expect(shownDestination('\u{1F600}'.repeat(513))).toMatch(/^(\u{1F600})+… \(cut at 512/u);
  });

  it('should cut a destination longer than 512 characters, saying so', () => {
    const shown = shownDestination(`https://vendor.example/${'a'.repeat(100_000)}`);
    expect(shown.length).toBeLessThanOrEqual(512);
    expect(shown).toMatch(/^https:\/\/vendor\.example\/a+… \(cut at 512 characters\)$/u);
  });

  it('should never keep the password of an unmapped peer URL, held or unrecorded', () => {
    const withPassword = {
      ID: 'j',
      Type: 'OrthancPeerStore',
      State: 'Success',
      Content: { Peer: ['http://bridge:S3cret@10.0.0.9:8042/'] },
    };
    const held = resolveDestination(
      sendJobOf({ ...withPassword, CompletionTime: '20261203T121639' }) as SendJob,
      directory,
    );
    expect(held).toEqual({ kind: 'peer', name: undefined, reported: 'http://***@10.0.0.9:8042/' });
    const unrecorded = sendJobOf(withPassword) as UnrecordableSendJob;
    expect(unrecorded.reason).toBe('completion_time');
    expect(unrecorded.reported).toBe('http://***@10.0.0.9:8042/');
  });

  it('should still name the peer whose URL carries credentials', () => {
    const named = resolveDestination(
      sendJobOf({
        ID: 'j',
        Type: 'OrthancPeerStore',
        State: 'Success',
        CompletionTime: '20261203T121639',
        Content: { Peer: ['http://bridge:S3cret@10.0.0.7:8042'] },
      }) as SendJob,
      {
        ...directory,
        peers: { ...directory.peers, secured: { Url: 'http://bridge:S3cret@10.0.0.7:8042/' } },
      },
    );
    expect(named).toEqual({ kind: 'peer', name: 'secured', reported: 'http://***@10.0.0.7:8042' });
  });
});
